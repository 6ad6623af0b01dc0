"""The SIA choice on the advanced stage page."""

from __future__ import annotations

from wtforms import RadioField
from wtforms.validators import DataRequired

from trainee_portal.platform.forms import PortalForm


class SiaChoiceForm(PortalForm):
    stage_key = RadioField(
        "Which SIA do you follow?",
        choices=[],  # the route offers the SIAs of the trainee's curriculum
        validate_choice=True,
        validators=[DataRequired("Choose the SIA you follow")],
    )

    def __init__(self, stages, *args, own: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage_key.choices = [(stage.key, stage.name) for stage in stages]
        if not own:  # a director or administrator sets it for the trainee
            self.stage_key.label.text = "Which SIA does the trainee follow?"
        self.stage_key.validators[0].message = "Choose the SIA you follow" if own else "Choose the SIA the trainee follows"
