"""The invented service the demo builds: places, partners, names and words.

Every organisation, practice, member of staff and person here is made up. The
six localities and the Bristol postcode districts are real geography (public
reference data); the GP practice ODS codes sit in an unused L819xx range and
the NHS numbers in the 999 range, so nothing can be mistaken for a real record.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class LocalitySpec:
    name: str
    code: str
    short: str  # the team inbox: ipct.<short>@teams.demo.invalid
    weight: float  # share of referrals: population and need, roughly
    outward_codes: tuple[str, ...]
    practices: tuple[str, ...]


LOCALITIES = (
    LocalitySpec(
        "South Gloucestershire",
        "south-gloucestershire",
        "sglos",
        0.24,
        ("BS15", "BS16", "BS30", "BS32", "BS34", "BS35", "BS36", "BS37"),
        ("Orchard Vale Surgery", "Kingfisher Medical Practice", "Millbrook Health Centre", "Brambles Family Practice"),
    ),
    LocalitySpec(
        "North and West Bristol",
        "north-west-bristol",
        "nwb",
        0.16,
        ("BS6", "BS7", "BS8", "BS9", "BS10", "BS11"),
        ("Larkspur Medical Centre", "Heronsgate Surgery", "Copper Beech Practice", "Foxglove Family Doctors"),
    ),
    LocalitySpec(
        "Inner City and East Bristol",
        "inner-city-east-bristol",
        "iceb",
        0.19,
        ("BS1", "BS2", "BS5"),
        ("Wharfside Health Centre", "Lantern Street Surgery", "Ropewalk Medical Practice", "Silverbirch Surgery"),
    ),
    LocalitySpec(
        "South Bristol",
        "south-bristol",
        "sbris",
        0.15,
        ("BS3", "BS4", "BS13", "BS14"),
        ("Bluebell Lane Surgery", "Tanner's Yard Medical Centre", "Hollyhock Health Practice", "Wrenfield Surgery"),
    ),
    LocalitySpec(
        "Woodspring",
        "woodspring",
        "wood",
        0.11,
        ("BS20", "BS21", "BS40", "BS41", "BS48", "BS49"),
        ("Saltmarsh Surgery", "Elderberry Medical Practice", "Rookery Health Centre"),
    ),
    LocalitySpec(
        "Weston, Worle and Villages",
        "weston-worle-villages",
        "www",
        0.15,
        ("BS22", "BS23", "BS24", "BS25", "BS29"),
        ("Seagrass Medical Centre", "Pier View Surgery", "Mulberry Fields Practice", "Sandpiper Family Surgery"),
    ),
)

TRUST = "Severnmouth Partnership NHS Trust"
TRUST_ODS = "RZZ"  # not a real trust code
LOCAL_AUTHORITY = "Severnside Council Adult Social Care"
TALKING_THERAPIES = "Steady Steps Talking Therapies"
VCSE_PARTNERS = (
    "Lantern Peer Support CIC",
    "Willow Lane Recovery Trust",
    "Harbour Light Wellbeing",
    "Meadowbank Community Voices",
)
CEN_SERVICE = "Cedar Grove Complex Emotional Needs Service"
CRISIS_TEAM = "Crisis and Home Treatment Team"
LIAISON_TEAM = "Hospital Liaison Psychiatry Team"

# How NHS England counts each demo team (MHSDS ServTeamTypeMH, codes.mhsds.TEAM_TYPE), so the
# national measures have something to count: the locality teams are community mental health
# teams, the CEN service a personality disorder service, then crisis and liaison.
LOCALITY_TEAM_TYPE = "A06"  # community mental health team - functional
CEN_TEAM_TYPE = "A16"  # personality disorder service
CRISIS_TEAM_TYPE = "A02"  # crisis resolution team / home treatment service
LIAISON_TEAM_TYPE = "A11"  # psychiatric liaison service

DEMO_PASSWORD = "demo-password-2026"
EMAIL_DOMAIN = "demo.invalid"

GIVEN_NAMES = (
    "Aaliyah",
    "Abdi",
    "Adam",
    "Aisha",
    "Alex",
    "Alfie",
    "Amara",
    "Amelia",
    "Amir",
    "Ana",
    "Arjun",
    "Ava",
    "Ayesha",
    "Ben",
    "Bethan",
    "Callum",
    "Charlie",
    "Chloe",
    "Chidi",
    "Connor",
    "Daniel",
    "Deborah",
    "Dev",
    "Ella",
    "Emily",
    "Eryk",
    "Fatima",
    "Finley",
    "Freya",
    "Gareth",
    "Grace",
    "Hamza",
    "Hannah",
    "Harry",
    "Hodan",
    "Isaac",
    "Isla",
    "Jack",
    "Jade",
    "James",
    "Jamal",
    "Jasmine",
    "Jordan",
    "Joseph",
    "Kai",
    "Kayleigh",
    "Kwame",
    "Laura",
    "Leah",
    "Leon",
    "Liam",
    "Lily",
    "Lucy",
    "Maja",
    "Marcus",
    "Maria",
    "Mason",
    "Megan",
    "Mia",
    "Mohamed",
    "Nadia",
    "Nathan",
    "Niamh",
    "Noah",
    "Olivia",
    "Oliver",
    "Oskar",
    "Priya",
    "Rachel",
    "Rhys",
    "Riley",
    "Rosa",
    "Ruth",
    "Ryan",
    "Saanvi",
    "Sam",
    "Sophie",
    "Stacey",
    "Sunita",
    "Tariq",
    "Tom",
    "Tyler",
    "Wei",
    "Yusuf",
    "Zainab",
    "Zoe",
)
FAMILY_NAMES = (
    "Abbott",
    "Adeyemi",
    "Ahmed",
    "Ali",
    "Allen",
    "Baker",
    "Begum",
    "Bennett",
    "Brown",
    "Chen",
    "Clarke",
    "Coleman",
    "Cooper",
    "Davies",
    "Dixon",
    "Edwards",
    "Evans",
    "Farah",
    "Fisher",
    "Foster",
    "Green",
    "Griffiths",
    "Hall",
    "Harris",
    "Hassan",
    "Hughes",
    "Hussain",
    "Jackson",
    "James",
    "Jenkins",
    "Johnson",
    "Jones",
    "Khan",
    "Kowalski",
    "Lewis",
    "Martin",
    "Mensah",
    "Mitchell",
    "Moore",
    "Morgan",
    "Morris",
    "Murphy",
    "Nowak",
    "Okafor",
    "Osei",
    "Owen",
    "Parker",
    "Patel",
    "Phillips",
    "Price",
    "Rahman",
    "Reid",
    "Roberts",
    "Robinson",
    "Rossi",
    "Shah",
    "Singh",
    "Smith",
    "Stewart",
    "Taylor",
    "Thomas",
    "Thompson",
    "Turner",
    "Walker",
    "Ward",
    "Watson",
    "White",
    "Williams",
    "Wilson",
    "Wood",
    "Wright",
    "Yilmaz",
    "Young",
)

# How many people each kind of worker holds at once; managers and office staff hold none.
CASELOAD_CAPACITY = {
    "Primary care mental health worker": 30,
    "VCSE link worker": 25,
    "Peer support worker": 20,
    "Community psychiatric nurse": 25,
    "Clinical psychologist": 20,
    "Occupational therapist": 25,
    "Mental health social worker": 25,
    "Specialist practitioner": 25,
    "DBT therapist": 20,
    "Consultant psychiatrist": 15,
    "Crisis support worker": 12,
    "Liaison psychiatric nurse": 15,
    "Consultant liaison psychiatrist": 10,
    "Liaison support worker": 15,
}


PRESENTING_NEEDS = (
    "Low mood and anxiety for several months; not sleeping and finding it hard to get to work.",
    "Panic attacks most days since a bereavement; avoiding going out.",
    "Intense and changeable emotions, self-harm by cutting at times of crisis; previous A&E attendances.",
    "Hearing voices that are distressing; family worried about withdrawal from friends.",
    "Long history of depression; recent relapse after losing job and housing worries.",
    "Intrusive memories and nightmares after an assault; drinking more to cope.",
    "Postnatal low mood and anxiety; struggling to bond and to sleep.",
    "Eating very little and losing weight; preoccupied with body shape.",
    "Suicidal thoughts without a plan; isolated, recently moved to the area.",
    "Obsessive checking and washing taking several hours a day.",
    "Debt and benefits problems driving worsening anxiety; asked for practical help.",
    "Mood swings with periods of little sleep and overspending; known bipolar disorder, off medication.",
    "Struggling after leaving care at 18; anger, low mood and difficulty with relationships.",
    "Carer for a parent with dementia; exhausted, tearful and not coping.",
    "Gambling and low mood; partner has asked for help.",
    "Stopped attending college; anxious in social situations and spending most days in their room.",
)

CONTACT_NOTES = {
    "first": "Initial assessment: history, risks and what matters to the person. Trusted assessment shared with consent.",
    "attempt": "Called, no answer; voicemail left with the team number and the 24/7 line.",
    "treatment": "First intervention session: plan agreed with the person.",
    "followup": "Review: progress against goals; outcome measure repeated.",
}

# (intervention kind, description, who provides it: the trust, a VCSE partner or the council)
INTERVENTIONS = (
    ("peer_support", "Peer support: weekly one-to-one with a peer support worker", "vcse"),
    ("scm", "Structured clinical management", "trust"),
    ("talking_therapy", "CBT-informed sessions with the team psychologist", "trust"),
    ("debt_advice", "Debt and benefits advice", "vcse"),
    ("medication_review", "Medication review with the team psychiatrist", "trust"),
    ("social_activities", "Social prescribing: community allotment group", "vcse"),
    ("housing_support", "Housing support with the council's tenancy team", "council"),
    ("employment_support", "Individual placement and support back into work", "vcse"),
)
CEN_INTERVENTIONS = (
    ("dbt_skills", "DBT skills group (20 weeks)", "trust"),
    ("scm", "Structured clinical management", "trust"),
    ("peer_support", "Lived-experience peer group for emotional regulation", "vcse"),
)
CRISIS_INTERVENTION = ("other", "Home treatment: daily visits and medication support", "trust")
# SNOMED CT codes for the interventions the shipped lists cover (codes.snomed): the rest (peer
# support, debt advice...) are psychosocial, a set that ships empty, so they stay uncoded and the
# data-quality page lists them; the care plan agreed with each starts the spell's clock stop.
INTERVENTION_CODES = {"dbt_skills": "405780009"}  # dialectical behaviour therapy
# The shipped assessment list holds only NHS England's two published members (both
# neurodevelopmental): the demo codes its assessments with one as a stand-in until a trust loads
# its full reference set (docs/measures.md, "Code lists"). About one in twelve stays uncoded.
ASSESSMENT_CODE = "1914891000000100"
UNCODED_ASSESSMENT_SHARE = 0.08
ASSESSMENT_SUMMARY = "Initial mental health assessment at first contact."
CARE_PLAN_SUMMARY = "Care plan agreed with the person: goals, who does what, and what to do in a crisis."

# (instrument, lowest score, highest score, True if a higher score is better)
OUTCOME_MEASURES = (
    ("ReQoL-10", 0, 40, True),
    ("PHQ-9", 0, 27, False),
    ("GAD-7", 0, 21, False),
    ("CORE-10", 0, 40, False),
    ("DIALOG", 1, 7, True),
)

THRIVE_NEXT_STEPS = {
    "getting_advice": "Signpost to VCSE wellbeing groups and self-help; check in by phone in a week.",
    "getting_help": "Brief intervention with a link worker; discuss at the MDT this week.",
    "getting_more_help": "Full assessment and MDT discussion; likely longer-term support.",
    "getting_risk_support": "Same-day contact; safety plan agreed with the person and shared with the crisis team.",
}

ASSESSMENT_SECTIONS = {
    "mental_health": (
        "Low mood most days, poor sleep and concentration; no previous contact with secondary care.",
        "Long history of anxiety; previous talking therapy helped for a while.",
        "Mood unstable over years; several crisis contacts in the last six months.",
    ),
    "housing": (
        "Lives with partner in rented flat; secure.",
        "Sofa-surfing with friends.",
        "Council tenancy, in arrears.",
    ),
    "money": ("Managing.", "Universal Credit; debts to utility companies.", "Lost job recently; no income this month."),
    "strengths": (
        "Close to a sister; enjoys walking the dog.",
        "Creative: draws and writes; volunteering at a food bank.",
        "Determined to get back to work; good insight.",
    ),
    "goals": (
        "To sleep properly and get back to work.",
        "To feel less alone and get out of the house twice a week.",
        "To manage strong feelings without hurting myself.",
        "To sort out my debts and stop worrying about money.",
    ),
}

# presenting need (index in PRESENTING_NEEDS) -> risk flag kind it usually brings
RISK_BY_NEED = {2: "self_harm", 8: "suicide", 5: "substance_use", 7: "self_neglect"}
OTHER_RISKS = ("safeguarding_adult", "lone_working", "substance_use")
RISK_NOTES = {
    "self_harm": "Self-harm by cutting when overwhelmed; safety plan in place, shared with consent.",
    "suicide": "Suicidal thoughts without a plan; protective factors: family, pets. Review at every contact.",
    "substance_use": "Drinking daily to cope; open to support from the community drug and alcohol team.",
    "self_neglect": "Struggling to eat regularly and keep up with bills.",
    "safeguarding_adult": "Financial exploitation by an acquaintance; adult social care informed.",
    "lone_working": "Dog on the premises and a history of aggression from a visitor: visit in pairs.",
}
CARER_RELATIONSHIPS = (
    "mother",
    "father",
    "partner",
    "husband",
    "wife",
    "sister",
    "brother",
    "daughter",
    "son",
    "friend",
)

DISCHARGE_REASONS = (("goals_met", 70), ("person_chose", 10), ("another_service", 10), ("no_engagement", 10))
RETURN_ROUTE = "Through the GP, the 24/7 mental health line or by self-referral; no new assessment within 12 months."

DISCHARGE_NOTES = (
    "Goals met; back to self-care with the wellbeing plan. Can come back through the GP or the 24/7 line.",
    "Stepped down to the VCSE peer support group; link worker introduced the person before discharge.",
    "Discharged to GP care with a relapse-prevention plan shared with consent.",
)

REDIRECT_NOTES = {
    "cen": "Needs a structured complex emotional needs pathway. Trusted assessment attached; person knows we are "
    "introducing them and has the service's number.",
    "crisis": "Risk has risen since assessment; crisis team to see today. Person informed and agreed.",
    "locality": "Registered with a practice in another locality after moving house; warm handover to that team.",
    "route": "Self-referral with no GP or fixed address recorded; routed by hand to the locality where they are "
    "staying.",
    "back": "Crisis resolved; handing back to the locality team for ongoing support. Person informed.",
}
