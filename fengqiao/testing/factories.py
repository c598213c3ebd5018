"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from fengqiao.org.models import Department, Jurisdiction, JurisdictionLevel, Staff, StaffRole


class JurisdictionFactory(DjangoModelFactory):
    class Meta:
        model = Jurisdiction
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9{n:05d}")
    name = factory.Sequence(lambda n: f"测试旗{n}")
    level = JurisdictionLevel.COUNTY
    kind = "旗"


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("jurisdiction", "code")

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"测试局{n}")
    short_name = factory.LazyAttribute(lambda o: o.name[:8])


class StaffFactory(DjangoModelFactory):
    """A member of staff; ``roles=[...]`` gives them roles."""

    class Meta:
        model = Staff
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    name = factory.Sequence(lambda n: f"工作人员{n}")
    department = factory.SubFactory(DepartmentFactory)
    password = factory.django.Password("test-pass-123")

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            StaffRole.objects.bulk_create([StaffRole(staff=self, role=r) for r in extracted])  # type: ignore[misc]
            self.__dict__.pop("role_set", None)
