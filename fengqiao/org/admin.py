"""Configuration of the organisation in the admin: 五(一) lets the leadership group add
member units at any time, and administrators keep staff and roles current."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fengqiao.org.models import (
    Department,
    Division,
    GroupMembership,
    Jurisdiction,
    LeadershipGroup,
    SigningDelegation,
    Staff,
    StaffRole,
    Studio,
)
from fengqiao.org.services import staff_roles_set

admin.site.site_header = _("枫桥 · 社会保险费征缴争议联合处置 — 系统配置")
admin.site.site_title = _("枫桥系统配置")
admin.site.index_title = _("配置")


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "kind", "parent", "active"]
    list_filter = ["level", "active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


class DivisionInline(admin.TabularInline):
    model = Division
    extra = 0


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = [
        "short_name",
        "name",
        "code",
        "jurisdiction",
        "is_member_unit",
        "active",
        "sort_order",
    ]
    list_filter = ["jurisdiction", "is_member_unit", "active"]
    search_fields = ["name", "short_name", "code"]
    inlines = [DivisionInline]


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "jurisdiction"]
    filter_horizontal = ["departments"]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ["username", "name", "department", "division", "title", "is_active"]
    list_filter = ["department", "roles__role", "is_active"]
    search_fields = ["username", "name"]
    list_select_related = ["department", "division"]
    inlines = [StaffRoleInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("人员信息"),
            {
                "fields": (
                    "name",
                    "department",
                    "division",
                    "studio",
                    "title",
                    "office_phone",
                    "email",
                )
            },
        ),
        # The roles (below) decide what a member of staff may do, the admin included
        # (fengqiao.org.permissions); is_staff follows the administrator role.
        (_("权限"), {"fields": ("is_active", "is_superuser")}),
        (_("登录记录"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "department", "password1", "password2"),
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """Only a superuser makes a superuser: an administrator manages roles, and a superuser
        would bypass every role (and see every county's cases)."""
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly.append("is_superuser")
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Nor does an administrator change a superuser (a new password would let them sign in
        as one): only a superuser changes, or resets the password of, a superuser."""
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The roles edited in the inline go through ``staff_roles_set``, the one write path for
        roles, which also keeps ``is_staff`` in step with the administrator role."""
        super().save_related(request, form, formsets, change)
        staff = form.instance
        staff_roles_set(staff=staff, roles=list(staff.roles.values_list("role", flat=True)))


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    autocomplete_fields = ["staff"]


@admin.register(LeadershipGroup)
class LeadershipGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "jurisdiction", "office_department"]
    inlines = [GroupMembershipInline]


@admin.register(SigningDelegation)
class SigningDelegationAdmin(admin.ModelAdmin):
    """代签授权, for supervision: which head authorised which deputy to sign the department's
    written opinions, for which period, and whether and by whom it was revoked. A head gives
    and revokes it on the pages (``handling.delegation``), each step recorded; the admin only
    shows it, to the administrator as to a superuser."""

    list_display = ["department", "principal", "deputy", "starts_on", "ends_on", "revoked_at", "revoked_by"]
    list_filter = ["department__jurisdiction", "department"]
    search_fields = ["principal__name", "deputy__name", "reason"]
    date_hierarchy = "starts_on"
    list_select_related = ["department", "principal", "deputy", "revoked_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
