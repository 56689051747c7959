"""The user registry in DynamoDB (implements plateguard.logic.access.UserDirectory)."""

from __future__ import annotations

from datetime import datetime

from plateguard.dal.tables import UserItem
from plateguard.logic.access import User, UserStatus
from plateguard.models.routes import Role


def _user(item: UserItem) -> User:
    return User(
        principal_arn=item.principal_arn,
        agency=item.agency,
        username=item.username,
        role=Role(item.role),
        status=UserStatus(item.status),
        training_completed_at=item.training_completed_at,
        approved_by=item.approved_by,
        created_at=item.created_at,
        last_activity_at=item.last_activity_at,
        full_name=item.full_name,
    )


class DynamoUserDirectory:
    def get(self, principal_arn: str) -> User | None:
        try:
            return _user(UserItem.get(principal_arn, consistent_read=True))
        except UserItem.DoesNotExist:
            return None

    def list_agency(self, agency: str) -> list[User]:
        return [_user(item) for item in UserItem.by_agency.query(agency)]

    def put(self, user: User) -> None:
        UserItem(
            user.principal_arn,
            agency=user.agency,
            username=user.username,
            role=user.role.value,
            status=user.status.value,
            training_completed_at=user.training_completed_at,
            approved_by=user.approved_by,
            created_at=user.created_at,
            last_activity_at=user.last_activity_at,
            full_name=user.full_name,
        ).save()

    def record_activity(self, principal_arn: str, when: datetime) -> None:
        UserItem(principal_arn).update(
            actions=[UserItem.last_activity_at.set(when)], condition=UserItem.principal_arn.exists()
        )
