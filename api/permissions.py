"""DRF's side of the roles table: it only asks ``patients.policy``."""

from rest_framework.permissions import BasePermission


class RolePolicy(BasePermission):
    """Asks the view's policy functions whether the user may take this action.

    ``view.role_policy`` maps actions to functions of the user, ``view.record_policy`` to
    functions of the user and the record. On a route about one record every check waits
    until the record is found, so that someone outside its clinic gets 404, never 403.
    """

    def has_permission(self, request, view):
        return view.detail or self._role_allows(request.user, view)

    def has_object_permission(self, request, view, obj):
        record_rule = view.record_policy.get(view.action)
        return self._role_allows(request.user, view) and (
            record_rule is None or record_rule(request.user, obj)
        )

    @staticmethod
    def _role_allows(user, view):
        rule = view.role_policy.get(view.action)
        return rule is None or rule(user)
