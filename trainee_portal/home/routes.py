"""Home: each role's first screen. A person with several roles sees each role's section, their own training first."""

from flask import render_template
from flask_login import current_user

from competencies import THEMES
from trainee_portal import curricula, policy
from trainee_portal.home.blueprint import bp
from trainee_portal.home.queries.admin import admin_home
from trainee_portal.home.queries.director import director_home
from trainee_portal.home.queries.reviewer import reviewer_home
from trainee_portal.home.queries.supervisor import supervisor_home
from trainee_portal.home.queries.trainee import trainee_home


@bp.route("/")
@policy.requires(policy.is_signed_in)
def index():
    sections = {}
    if policy.is_trainee(current_user):
        sections["trainee"] = trainee_home(current_user)
    if policy.is_supervisor(current_user):
        sections["supervisor"] = supervisor_home(current_user)
    elif policy.is_halo_reviewer(current_user):
        sections["reviewer"] = reviewer_home(current_user)
    if policy.can_use_cohort_dashboard(current_user):
        sections["director"] = director_home(current_user)
    if policy.can_administer(current_user):
        sections["admin"] = admin_home(current_user)
    return render_template("home/index.html", sections=sections, page_title="Home")


@bp.route("/about")
@policy.public
def about():
    registry = curricula.registry()
    versions = [registry.get(v) for v in registry.versions()]
    return render_template("home/about.html", versions=versions, themes=THEMES, page_title="About this service")
