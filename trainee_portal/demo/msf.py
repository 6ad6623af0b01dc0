"""A demo MSF round: the 2021 demo trainee has nominated twelve raters from six staff groups and ten have answered, so
their educational supervisor finds it ready to read, comment on and release (two invitations still wait)."""

from __future__ import annotations

from trainee_portal.demo.accounts import by_email
from trainee_portal.msf import links, queries, services
from trainee_portal.platform.clock import utcnow

RATERS = (  # name, staff group, whether they have answered
    ("Dr Helen Shaw", "consultant", True),
    ("Dr Imran Qureshi", "consultant", True),
    ("Dr Alice Moreno", "consultant", True),
    ("Sister Joan Adeyemi", "nurse", True),
    ("Mark Ellis", "nurse", True),
    ("Priya Raman", "theatre", True),
    ("Tom Baker", "odp", True),
    ("Dr Lucy Chen", "doctor", True),
    ("Dr Sam Okafor", "doctor", True),
    ("Rachel Green", "admin", True),
    ("Dr Neil Fraser", "consultant", False),
    ("Ben Carter", "ahp", False),
)
WELL = (  # one per rater who answers: ten different people say different things
    "Explains the plan clearly to patients and to the team.",
    "Calm and organised in a busy clinic.",
    "Always asks for help early and acts on feedback.",
    "Good at involving nurses and physiotherapists in plans.",
    "Writes clear, prompt clinic letters.",
    "Kind and patient with anxious patients before procedures.",
    "Prepares thoroughly for the theatre list.",
    "A reliable colleague on the inpatient pain round.",
    "Teaches the foundation doctors willingly.",
    "Answers emails and queries from the office promptly.",
)
IMPROVE = (
    "Could delegate more of the follow-up calls.",
    "Sometimes runs late in clinic.",
    "",
    "More teaching of junior colleagues on the ward round.",
    "",
    "Could share the plan with recovery staff earlier.",
    "",
    "Could speak up more in the MDT meeting.",
    "",
    "Could book clinic letters for typing sooner.",
)


def load() -> None:
    trainee = by_email("trainee")
    msf_round = services.start_round(trainee, "Pain clinic and inpatient pain service, 2026")
    rules = queries.rules_for(msf_round)
    groups = set(rules.group_keys)
    now = utcnow()
    for index, (name, group, answered) in enumerate(RATERS):
        group = group if group in groups else sorted(groups)[0]
        local = name.lower().replace("dr ", "").replace("sister ", "").replace(" ", ".")
        rater = services.nominate(trainee, msf_round, name=name, email=f"{local}@example.org", staff_group=group)
        if not answered:
            continue
        links.mint_token(rater, now)  # as the invitation email would have carried
        ratings = {q.key: ("above" if (index + i) % 4 == 0 else "meets") for i, q in enumerate(rules.questions)}
        services.answer(rater, ratings, {"well": WELL[index], "improve": IMPROVE[index]})
