// Starts NHS.UK frontend's components (header menu, error summary focus, notification banners,
// conditional radios...). Loaded as a module from base.html, so there is no inline script and a
// Content Security Policy can say script-src 'self'. Pages work without it: this only enhances.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

// NHS.UK frontend only runs its components when the body says the browser supports them (ES
// modules: true of every browser that runs this file).
document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// Content swapped in by htmx gets the same components. htmx also fires htmx:load for the body at
// start-up, which initAll() above has already covered.
document.addEventListener("htmx:load", (event) => {
  if (event.target instanceof Element && event.target !== document.body) {
    initAll({ scope: event.target });
  }
});

// On a narrow screen NHS.UK's header folds the links that do not fit under a "More" button. If
// the Alerts link and its unread count are folded away, show the count on "More" as well, so a
// phone user still sees it on every page. (Without JavaScript nothing folds: the links wrap.)
function showFoldedAlertCount() {
  const count = document.querySelector("[data-app-unread-count]");
  const toggle = document.querySelector(".nhsuk-header__menu-toggle");
  if (!count || !toggle) {
    return;
  }
  const folded = count.closest(".nhsuk-header__menu-list") !== null;
  const copy = toggle.querySelector(".app-count-badge");
  if (folded && !copy) {
    const badge = document.createElement("span");
    badge.className = "app-count-badge";
    badge.setAttribute("aria-hidden", "true");
    badge.textContent = count.dataset.appUnreadCount;
    const spoken = document.createElement("span");
    spoken.className = "nhsuk-u-visually-hidden app-count-badge-text";
    spoken.textContent = `, ${count.dataset.appUnreadCount} unread alerts`;
    toggle.append(badge, spoken);
  } else if (!folded && copy) {
    copy.remove();
    toggle.querySelector(".app-count-badge-text")?.remove();
  }
}

const navigationList = document.querySelector(".nhsuk-header__navigation-list");
if (navigationList) {
  showFoldedAlertCount();
  new MutationObserver(showFoldedAlertCount).observe(navigationList, { childList: true, subtree: true });
}

// After "Mark as seen" (htmx), the server sends the new unread count as an event (HX-Trigger:
// appUnreadAlerts): the header's Alerts badge, its spoken label and the copy on "More" follow it.
document.body.addEventListener("appUnreadAlerts", (event) => {
  const count = Number(event.detail?.count ?? 0);
  for (const badge of document.querySelectorAll(".nhsuk-header__navigation-link [data-app-unread-count]")) {
    const link = badge.closest("a");
    if (count > 0) {
      badge.textContent = String(count);
      badge.dataset.appUnreadCount = String(count);
      link?.setAttribute("aria-label", `Alerts, ${count} unread`);
    } else {
      badge.remove();
      link?.removeAttribute("aria-label");
    }
  }
  const toggle = document.querySelector(".nhsuk-header__menu-toggle");
  toggle?.querySelector(".app-count-badge")?.remove();
  toggle?.querySelector(".app-count-badge-text")?.remove();
  showFoldedAlertCount();
});
