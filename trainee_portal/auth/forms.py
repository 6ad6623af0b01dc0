"""Login and password forms, validated on the server."""

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from trainee_portal.platform.fields import email_field


class LoginForm(FlaskForm):
    email = email_field("Enter your email address.")
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=256, message="Passwords are at most 256 characters.")],
    )


class ChangePasswordForm(FlaskForm):
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


class ForgotPasswordForm(FlaskForm):
    email = LoginForm.email


class ResetPasswordForm(FlaskForm):
    new_password = ChangePasswordForm.new_password
    confirm_password = ChangePasswordForm.confirm_password
