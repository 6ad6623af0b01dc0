"""Access is decided in trainee_portal/policy.py alone: this walks the code of trainee_portal/ and fails on any role
check made anywhere else (a has_role call, a user's .roles, an is_admin-like attribute read off anything but the
policy module, a comparison or `in` test against a role name) or a refusal made inline (abort(403) rather than
policy.authorize), and on any import of another module's private name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from trainee_portal.models.accounts import ROLES

PACKAGE = Path(__file__).resolve().parents[2] / "trainee_portal"
POLICY = "trainee_portal/policy.py"
# Where roles are stored (User.roles, has_role, set_roles): keeping them is not deciding with them.
ROLE_STORE = "trainee_portal/models/accounts.py"
ROLE_ATTRIBUTES = {"is_trainee", "is_supervisor", "is_director", "is_admin"}
ORDERING = (ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot)
pytestmark = pytest.mark.usefixtures("app")  # the shared test app, which the suite's teardown expects to exist


def _names_a_role(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in ROLES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_names_a_role(element) for element in node.elts)
    return False


def _names_403(args: list[ast.expr]) -> bool:
    return bool(args) and isinstance(args[0], ast.Constant) and args[0].value == 403


def _last_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def role_checks(source: str) -> list[tuple[int, str]]:
    """(line, what) for every role check in this source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _last_name(node.func) == "has_role":
            found.append((node.lineno, "calls has_role()"))
        elif isinstance(node, ast.Call) and _last_name(node.func) == "abort" and _names_403(node.args):
            found.append((node.lineno, "refuses with abort(403) instead of policy.authorize()"))
        elif isinstance(node, ast.Attribute) and node.attr == "roles" and not _last_name(node.value).endswith("form"):
            found.append((node.lineno, "reads .roles"))  # a form's roles field is the admin's input, not a user's roles
        elif isinstance(node, ast.Attribute) and node.attr in ROLE_ATTRIBUTES and _last_name(node.value) != "policy":
            found.append((node.lineno, f"reads .{node.attr} off something other than the policy module"))
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for left, op, right in zip(operands, node.ops, operands[1:]):
                if isinstance(op, ORDERING) and (_names_a_role(left) or _names_a_role(right)):
                    found.append((node.lineno, f"compares with a role name ({ast.unparse(node)})"))
                    break
    return sorted(found)


def private_imports(source: str) -> list[tuple[int, str]]:
    """(line, what) for every `from module import _name` (dunders aside)."""
    return [
        (node.lineno, f"imports the private name {alias.name} from {node.module}")
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE.parent).as_posix(), path.read_text(encoding="utf-8")


def test_the_walk_recognises_each_kind_of_role_check():
    source = "\n".join(
        [
            "a = user.has_role('admin')",
            "b = user.roles",
            "c = user.is_admin",
            "d = 'director' in user.role_names",
            "e = role == 'supervisor'",
            "f = role in ('x', 'trainee')",
            "g = policy.is_admin(user) and form.roles.data and role == other",
            "abort(403)",
            "abort(404)",
        ]
    )
    assert [line for line, _ in role_checks(source)] == [1, 2, 3, 4, 5, 6, 8]
    assert private_imports("from a.b import _c, d\nfrom e import __version__") == [(1, "imports the private name _c from a.b")]


def test_only_the_policy_checks_roles():
    problems = [
        f"{path}:{line}: {what}"
        for path, source in _sources()
        if path not in (POLICY, ROLE_STORE)
        for line, what in role_checks(source)
    ]
    assert not problems, (
        "Role checks or refusals outside trainee_portal/policy.py (ask a policy function instead):\n  " + "\n  ".join(problems)
    )


def test_no_module_imports_another_modules_private_names():
    problems = [f"{path}:{line}: {what}" for path, source in _sources() for line, what in private_imports(source)]
    assert not problems, "Private names imported across modules (make them public where they belong):\n  " + "\n  ".join(problems)


def _route_rules(app, endpoint: str) -> list:
    """The policy rules a route's @policy.requires (on the view or its blueprint's before_request) asks."""
    blueprint = endpoint.rpartition(".")[0]
    guards = [app.view_functions[endpoint], *app.before_request_funcs.get(blueprint, [])]
    return [guard.policy_rule for guard in guards if hasattr(guard, "policy_rule")]


def test_the_navigation_shows_each_guarded_page_on_its_routes_own_rule(app):
    from trainee_portal.platform.navigation import NAVIGATION

    checked = []
    for label, endpoint, rule in NAVIGATION:
        route_rules = _route_rules(app, endpoint) if endpoint in app.view_functions else []
        if route_rules:
            assert rule in route_rules, f"{label}: the link is shown on {rule.__name__}, the page asks {route_rules}"
            checked.append(endpoint)
    assert {"exams.pipeline", "signoff.queue", "cohort.dashboard", "admin.index"} <= set(checked)
