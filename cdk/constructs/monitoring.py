"""Alarms for what must never go unnoticed, published to an operations topic the agency subscribes to.

A message in a dead-letter queue is a camera frame never read, an oversight job or a sweep that failed;
late deletion breaks the retention the policy promises (SB 34). Each alarm fires on the first case.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

METRICS_NAMESPACE = "PlateGuard"  # plateguard.observability
SERVICE_DIMENSION = {"service": "plateguard"}
# A sweep may legitimately run up to one interval late; more than an hour means destruction is late.
MAX_DELETION_LATENESS_SECONDS = 3600


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic_key: kms.Key,
        dead_letter_queues: dict[str, sqs.IQueue],
        api: apigw.RestApi,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self, "OperationsTopic", display_name="PlateGuard operations alarms", master_key=topic_key, enforce_ssl=True
        )
        # CloudWatch publishes alarm notifications itself: it needs to use the topic's key.
        topic_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" means this key
            )
        )
        action = actions.SnsAction(self.topic)

        def alarm(construct_id: str, description: str, metric: cloudwatch.IMetric, threshold: float) -> None:
            created = cloudwatch.Alarm(
                self,
                construct_id,
                alarm_description=description,
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            created.add_alarm_action(action)

        for name, queue in dead_letter_queues.items():
            alarm(
                f"{name}DeadLetters",
                f"{name}: a message reached the dead-letter queue (investigate, then redrive)",
                queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(5)),
                1,
            )
        alarm(
            "LateDeletion",
            "Retention sweep: the oldest expired item was deleted more than an hour late (SB 34 retention)",
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name="DeletionLatenessSeconds",
                dimensions_map=SERVICE_DIMENSION,
                statistic="Maximum",
                period=Duration.minutes(15),
            ),
            MAX_DELETION_LATENESS_SECONDS,
        )
        alarm(
            "ApiServerErrors",
            "Officer API: 5xx responses (searches failing closed, e.g. the audit trail refusing writes)",
            api.metric_server_error(period=Duration.minutes(5), statistic="Sum"),
            5,
        )
