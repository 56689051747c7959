"""The compliance report: controls evaluated against the synthesized CloudFormation template.

Nothing here reaches AWS: the template, the cdk-nag CSV reports and cfn-lint are all local.
"""
