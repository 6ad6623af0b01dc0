"""Login, password and sign-off PIN forms, validated on the server."""

from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from competencies import signing
from trainee_portal.platform.fields import email_field
from trainee_portal.platform.forms import PortalForm


class LoginForm(PortalForm):
    email = email_field("Enter your email address.")
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=256, message="Passwords are at most 256 characters.")],
    )


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password."), Length(max=256)]
    )
    new_password = PasswordField(
        "New password",
        description="At least 12 characters. A few unrelated words work well.",
        validators=[DataRequired("Enter a new password.")],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[
            DataRequired("Enter the new password again."),
            EqualTo("new_password", message="The two new passwords do not match."),
        ],
    )


class ForgotPasswordForm(PortalForm):
    email = LoginForm.email


class ResetPasswordForm(PortalForm):
    new_password = ChangePasswordForm.new_password
    confirm_password = ChangePasswordForm.confirm_password


class SigningPinForm(PortalForm):
    """A supervisor's in-person sign-off PIN, set or changed with their password."""

    current_password = PasswordField("Your password", validators=[DataRequired("Enter your password."), Length(max=256)])
    pin = PasswordField(
        "New sign-off PIN",
        description=(
            f"{signing.PIN_MIN_LENGTH.value} to {signing.PIN_MAX_LENGTH.value} digits, not one digit repeated "
            f"and not a run like 123456. Never tell it to a trainee."
        ),
        validators=[DataRequired("Enter a PIN.")],
    )
    confirm_pin = PasswordField(
        "Confirm the PIN", validators=[DataRequired("Enter the PIN again."), EqualTo("pin", message="The two PINs do not match.")]
    )

    def validate_pin(self, field):
        problems = signing.pin_problems(field.data or "")
        if problems:
            raise ValidationError(problems[0])


class RemoveSigningPinForm(PortalForm):
    current_password = PasswordField("Your password", validators=[DataRequired("Enter your password."), Length(max=256)])
