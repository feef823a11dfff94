# Production-like image for web (gunicorn), the Celery worker and Celery beat.
# Every setting comes from the environment at run time (see .env.example and docker-compose.yml).
# Front-end packages (nhsuk-frontend, htmx) pinned in package-lock.json; only their
# built files reach the final image, through collectstatic.
FROM node:20-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var

# A fixed, unprivileged user: nothing in the container runs as root.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
# psycopg2-binary ships manylinux wheels: no compiler or libpq headers needed.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
COPY --from=frontend /app/node_modules ./node_modules

# Static files are baked into the image and served by WhiteNoise. collectstatic needs
# no database; the throwaway key only lets the settings load during the build.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var/prometheus \
    && chown -R app:app /app/var

USER app

EXPOSE 8000

# docker-compose.yml overrides this for the migrate, worker and beat services.
CMD ["gunicorn", "-c", "python:config.gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
