from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

# django-otp's device admins show each authenticator's secret (and a QR code of it): whoever
# sees it can make that person's codes. Nobody needs it; a lost phone is a two-factor reset on
# the staff pages.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
