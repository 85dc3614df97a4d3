"""Sign-in (two-factor), the staff member's own account, and staff management for clinic admins."""

app_name = "accounts"

urlpatterns = []
