"""API: who am I."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.core.auth import request_staff


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField(allow_null=True)
    jurisdiction = serializers.CharField(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """The signed-in member of staff: department, jurisdiction and roles."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = request_staff(request)
        dept = user.department
        data = {
            "username": user.username,
            "name": user.name,
            "department": dept.name if dept else None,
            "jurisdiction": dept.jurisdiction.code if dept else None,
            "roles": sorted(user.role_set),
        }
        return Response(MeSerializer(data).data)
