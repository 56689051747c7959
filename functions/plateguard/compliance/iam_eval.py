"""IAM evaluation against a synthesized CloudFormation template: may this role make this call?

moto's `IAMPolicy.is_action_permitted` is the engine for matching Action/NotAction and Resource
(wildcards included) and for each statement's Effect. Around it, this module does what the
template and AWS add before a policy is evaluated:

* resolves CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split and the
  AWS:: pseudo parameters) into concrete ARNs, from a logical id -> physical name mapping;
* substitutes IAM policy variables (`${aws:PrincipalTag/X}`, `${aws:username}`, ...) from the request
  context, as AWS does; a variable with no value makes the element match nothing;
* evaluates Condition blocks itself: moto 5 only understands StringEquals, treats every other operator as
  satisfied and reports a failed condition as DENIED, which would turn a TLS-only Deny into a Deny of
  everything and an MFA-only trust into no condition at all;
* combines every policy attached to a role (AWS::IAM::Policy and ::ManagedPolicy with Roles, the role's
  own Policies and ManagedPolicyArns of this stack) with the Deny statements of the target's resource
  policy (bucket, queue, topic policies): an explicit Deny wins, then any Allow, else implicit deny.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NO_VALUE = object()
# Request context every Lambda call carries (the runtime's SDK speaks HTTPS, TLS 1.2 or newer).
_LAMBDA_CONTEXT = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.2"}
# Resource policy type -> the property naming the resources it guards.
_RESOURCE_POLICIES = {
    "AWS::S3::BucketPolicy": "Bucket",
    "AWS::SQS::QueuePolicy": "Queues",
    "AWS::SNS::TopicPolicy": "Topics",
}


class UnresolvableIntrinsic(ValueError):
    """An intrinsic function this evaluator cannot turn into a value (e.g. Fn::ImportValue)."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    action: str
    resource: str
    reason: str  # on a denial, names the missing permission (or the statement that denies it)


@dataclass(frozen=True)
class _Statement:
    policy: str  # where it comes from: a logical id, or "<role>.Policies[n]"
    index: int
    document: dict[str, Any]  # intrinsics resolved; policy variables still in place

    @property
    def label(self) -> str:
        sid = self.document.get("Sid")
        return f"{self.policy} statement {sid or self.index}"


@dataclass
class _Resolver:
    """CloudFormation intrinsics -> values, for one template and one set of physical names."""

    resources: Mapping[str, Mapping[str, Any]]
    names: Mapping[str, str]
    account: str
    region: str
    partition: str = "aws"

    def pseudo(self, name: str) -> Any:
        values = {
            "AWS::Partition": self.partition,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "PlateGuard",
            "AWS::NoValue": _NO_VALUE,
        }
        if name not in values:
            raise UnresolvableIntrinsic(f"pseudo parameter {name}")
        return values[name]

    def name_of(self, logical_id: str) -> str:
        """The resource's physical name: the mapping's, normalised from a URL or ARN, else its logical id."""
        value = self.names.get(logical_id, logical_id)
        type_ = self.resources.get(logical_id, {}).get("Type", "")
        if value.startswith(("http://", "https://")):
            return value.rstrip("/").rsplit("/", 1)[-1]
        if value.startswith("arn:"):
            if type_ == "AWS::KMS::Key":
                return value.rsplit("/", 1)[-1]
            return value.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        return value

    def ref(self, logical_id: str) -> str:
        if logical_id.startswith("AWS::"):
            value = self.pseudo(logical_id)
            return value if isinstance(value, str) else ""
        type_ = self.resources.get(logical_id, {}).get("Type", "")
        name = self.name_of(logical_id)
        if type_ == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{name}"
        if type_ in ("AWS::SNS::Topic", "AWS::IAM::ManagedPolicy"):
            return self.get_att(logical_id, "Arn")
        return name

    def get_att(self, logical_id: str, attribute: str) -> str:
        type_ = self.resources.get(logical_id, {}).get("Type", "")
        name = self.name_of(logical_id)
        p, r, a = self.partition, self.region, self.account
        arns: dict[str, str] = {
            "AWS::DynamoDB::Table": f"arn:{p}:dynamodb:{r}:{a}:table/{name}",
            "AWS::S3::Bucket": f"arn:{p}:s3:::{name}",
            "AWS::SQS::Queue": f"arn:{p}:sqs:{r}:{a}:{name}",
            "AWS::SNS::Topic": f"arn:{p}:sns:{r}:{a}:{name}",
            "AWS::KMS::Key": f"arn:{p}:kms:{r}:{a}:key/{name}",
            "AWS::IAM::Role": f"arn:{p}:iam::{a}:role/{name}",
            "AWS::IAM::ManagedPolicy": f"arn:{p}:iam::{a}:policy/{name}",
            "AWS::Logs::LogGroup": f"arn:{p}:logs:{r}:{a}:log-group:{name}:*",
            "AWS::Lambda::Function": f"arn:{p}:lambda:{r}:{a}:function:{name}",
            "AWS::Events::Rule": f"arn:{p}:events:{r}:{a}:rule/{name}",
        }
        if attribute in ("Arn", "TopicArn", "PolicyArn") and type_ in arns:
            return arns[type_]
        if attribute in ("QueueName", "TopicName", "KeyId", "BucketName", "TableName"):
            return name
        if attribute == "QueueUrl":
            return self.ref(logical_id)
        if attribute == "Arn":
            service = type_.split("::")[1].lower() if type_.count("::") == 2 else "unknown"
            return f"arn:{p}:{service}:{r}:{a}:{name}"
        return f"{name}.{attribute}"

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.pseudo(arg) if arg == "AWS::NoValue" else self.ref(arg)
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Join":
                separator, parts = arg
                return separator.join(str(p) for p in self.resolve(parts))
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                separator, text = arg
                return str(self.resolve(text)).split(separator)
            if key.startswith("Fn::"):
                raise UnresolvableIntrinsic(key)
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        bound = {k: self.resolve(v) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} is written out as ${Literal}
                return "${" + name[1:] + "}"
            if name in bound:
                return str(bound[name])
            if name.startswith("AWS::"):
                return str(self.pseudo(name))
            logical_id, _, attribute = name.partition(".")
            if logical_id in self.resources:
                return self.get_att(logical_id, attribute) if attribute else self.ref(logical_id)
            return match.group(0)  # an IAM policy variable: substituted at evaluation time

        return _VARIABLE.sub(replace, text)


# -- policy variables and conditions ---------------------------------------------------------------


def _substitute(text: str, context: Mapping[str, str], literal: Callable[[str], str]) -> str | None:
    """`text` with each `${key}` replaced by `literal(value)`; None when a key has no value (AWS: the
    element then matches nothing). `${*}`, `${?}`, `${$}` stand for the character itself."""
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        body = match.group(1).strip()
        if body in ("*", "?", "$"):
            return literal(body)
        key, _, default = body.partition(",")
        value = _lookup(context, key.strip())
        if value is None:
            default = default.strip()
            if default.startswith("'") and default.endswith("'") and len(default) >= 2:
                return literal(default[1:-1])
            missing = True
            return ""
        return literal(value)

    result = _VARIABLE.sub(replace, text)
    return None if missing else result


def _lookup(context: Mapping[str, str], key: str) -> str | None:
    """Context keys are case-insensitive in IAM."""
    lowered = key.lower()
    for name, value in context.items():
        if name.lower() == lowered:
            return value
    return None


def _literal_for_moto(value: str) -> str:
    """A literal inside a pattern moto will turn into a regex (it only rewrites `*` to `.*`)."""
    return "".join("\\x2a" if c == "*" else "\\x3f" if c == "?" else re.escape(c) for c in value)


def _pattern_for_moto(pattern: str, context: Mapping[str, str]) -> str | None:
    """An IAM wildcard pattern (with policy variables) as the regex text moto's matcher expects."""
    marker = "\x00"  # keeps substituted values apart from the pattern's own wildcards
    substituted = _substitute(pattern, context, lambda value: marker + value + marker)
    if substituted is None:
        return None
    out: list[str] = []
    for i, piece in enumerate(substituted.split(marker)):
        if i % 2:  # a variable's value: always literal
            out.append(_literal_for_moto(piece))
        else:
            out.append("*".join(re.escape(part).replace("\\?", ".") for part in piece.split("*")))
    return "".join(out)


def _wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _compare(base: str, expected: str, actual: str) -> bool | None:
    """One operator on one (expected, actual) pair; None for an operator this evaluator does not know."""
    if base in ("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"):
        return actual == expected if "Arn" not in base else _wildcard_match(expected, actual)
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return actual.lower() == expected.lower()
    if base in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
        return _wildcard_match(expected, actual)
    if base == "Bool":
        return actual.lower() == str(expected).lower()
    numeric = {
        "NumericEquals": lambda a, e: a == e,
        "NumericNotEquals": lambda a, e: a == e,  # negated by the caller
        "NumericLessThan": lambda a, e: a < e,
        "NumericLessThanEquals": lambda a, e: a <= e,
        "NumericGreaterThan": lambda a, e: a > e,
        "NumericGreaterThanEquals": lambda a, e: a >= e,
    }
    if base in numeric:
        a, e = _number(actual), _number(expected)
        return a is not None and e is not None and bool(numeric[base](a, e))
    return None


_NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike",
            "NumericNotEquals"}  # fmt: skip


def conditions_hold(conditions: Mapping[str, Any], context: Mapping[str, str]) -> bool | None:
    """True/False per IAM semantics (operators AND-ed, keys AND-ed, values OR-ed; negated operators
    NOR-ed and true for an absent key); None when an operator is unknown (the caller decides safely)."""
    for operator, entries in conditions.items():
        base = operator
        set_prefix = ""
        if ":" in base:
            set_prefix, base = base.split(":", 1)
        if_exists = base.endswith("IfExists")
        base = base.removesuffix("IfExists")
        if base != "Null" and _compare(base, "", "") is None:
            return None  # an operator not implemented here, whatever the request holds
        for key, expected_values in entries.items():
            expected = [str(v) if not isinstance(v, bool) else str(v).lower() for v in _as_list(expected_values)]
            actual = _lookup(context, key)
            if base == "Null":
                if (actual is None) != (expected[0].lower() == "true"):
                    return False
                continue
            if actual is None:
                if if_exists or base in _NEGATED or set_prefix == "ForAllValues":
                    continue
                return False
            resolved: list[str] = []
            for value in expected:
                substituted = _substitute(value, context, lambda v: v)
                if substituted is not None:
                    resolved.append(substituted)
            results = [_compare(base, value, actual) for value in resolved]
            if any(r is None for r in results):
                return None
            matched = any(results)
            if (not matched) if base not in _NEGATED else matched:
                return False
    return True


# -- principals --------------------------------------------------------------------------------------


def _principal_matches(principal: Any, caller: str, account: str) -> bool:
    """Does a statement's Principal name `caller` (an ARN, or a service principal such as
    lambda.amazonaws.com)? An account root ARN or account id stands for every principal of that account."""
    if principal is None or principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for kind, values in principal.items():
        for value in _as_list(values):
            value = str(value)
            if value == "*" or value == caller:
                return True
            if kind == "AWS":
                root = re.fullmatch(r"arn:[^:]+:iam::(\d{12}):root|(\d{12})", value)
                caller_account = caller.split(":")[4] if caller.count(":") >= 5 else ""
                if root and (root.group(1) or root.group(2)) == caller_account:
                    return True
    return False


# -- the evaluator -----------------------------------------------------------------------------------


@dataclass
class TemplatePolicies:
    template: dict[str, Any]
    physical_names: dict[str, str]
    account: str
    region: str
    _resolver: _Resolver = field(init=False, repr=False)
    _role_statements: dict[str, list[_Statement]] = field(init=False, repr=False)
    _resource_denies: list[tuple[str, _Statement]] = field(init=False, repr=False)  # (guarded ARN, statement)
    _keys: dict[str, str] = field(init=False, repr=False)  # resource ARN -> KMS key ARN that encrypts it

    @classmethod
    def from_template(
        cls, template: dict[str, Any], physical_names: Mapping[str, str], *, account: str, region: str
    ) -> TemplatePolicies:
        return cls(template, dict(physical_names), account, region)

    def bind(self, physical_names: Mapping[str, str]) -> TemplatePolicies:
        """The same template with more (or other) physical names, e.g. once local mode created a key."""
        return TemplatePolicies(self.template, {**self.physical_names, **physical_names}, self.account, self.region)

    def __post_init__(self) -> None:
        resources: dict[str, dict[str, Any]] = self.template.get("Resources", {})
        self._resources = resources
        self._resolver = _Resolver(resources, self.physical_names, self.account, self.region)
        self._role_statements = {name: [] for name, r in resources.items() if r.get("Type") == "AWS::IAM::Role"}
        for name, resource in resources.items():
            properties = resource.get("Properties", {})
            if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                for role in _as_list(properties.get("Roles")):
                    target = role.get("Ref") if isinstance(role, dict) else None
                    if target in self._role_statements:
                        self._role_statements[target] += self._statements(name, properties.get("PolicyDocument"))
            if resource.get("Type") == "AWS::IAM::Role":
                for i, inline in enumerate(_as_list(properties.get("Policies"))):
                    self._role_statements[name] += self._statements(f"{name}.Policies[{i}]", inline["PolicyDocument"])
                for arn in _as_list(properties.get("ManagedPolicyArns")):
                    target = arn.get("Ref") if isinstance(arn, dict) else None
                    managed = resources.get(target or "", {})
                    if managed.get("Type") == "AWS::IAM::ManagedPolicy":
                        document = managed["Properties"]["PolicyDocument"]
                        self._role_statements[name] += self._statements(str(target), document)
                    # An AWS managed policy (arn:aws:iam::aws:policy/...) has no text here: not evaluated.
        self._resource_denies = []
        for name, resource in resources.items():
            if resource.get("Type") == "AWS::KMS::Key":  # a key policy guards its own key
                guarded = self._resolver.get_att(name, "Arn")
                for statement in self._statements(f"{name}.KeyPolicy", resource["Properties"].get("KeyPolicy")):
                    if statement.document.get("Effect") == "Deny":
                        self._resource_denies.append((guarded, statement))
                continue
            kind = _RESOURCE_POLICIES.get(resource.get("Type", ""))
            if kind is None:
                continue
            prop = kind
            for target in _as_list(resource["Properties"].get(prop)):
                logical_id = target.get("Ref") if isinstance(target, dict) else None
                if logical_id is None or logical_id not in resources:
                    continue
                guarded = self._resolver.get_att(logical_id, "Arn")
                for statement in self._statements(name, resource["Properties"]["PolicyDocument"]):
                    if statement.document.get("Effect") == "Deny":
                        self._resource_denies.append((guarded, statement))
        self._keys = self._encryption_keys()

    def _statements(self, policy: str, document: Any) -> list[_Statement]:
        resolved = self._resolver.resolve(document or {})
        return [_Statement(policy, i, s) for i, s in enumerate(_as_list(resolved.get("Statement")))]

    def _encryption_keys(self) -> dict[str, str]:
        keys: dict[str, str] = {}
        for name, resource in self._resources.items():
            properties = resource.get("Properties", {})
            type_ = resource.get("Type")
            key: Any = None
            if type_ == "AWS::DynamoDB::Table":
                key = properties.get("SSESpecification", {}).get("KMSMasterKeyId")
            elif type_ == "AWS::S3::Bucket":
                rules = properties.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
                for rule in rules:
                    key = key or rule.get("ServerSideEncryptionByDefault", {}).get("KMSMasterKeyID")
            elif type_ in ("AWS::SNS::Topic", "AWS::SQS::Queue"):
                key = properties.get("KmsMasterKeyId")
            if key is None:
                continue
            target = (key.get("Ref") or (key.get("Fn::GetAtt") or [None])[0]) if isinstance(key, dict) else None
            if target in self._resources:
                keys[self._resolver.get_att(name, "Arn")] = self._resolver.get_att(target, "Arn")
        return keys

    # -- lookups -------------------------------------------------------------------------------------
    def role_for_handler(self, handler: str) -> str:
        """The execution role (logical id) of the Lambda function whose Handler is `handler`."""
        found = [
            r["Properties"]["Role"]
            for r in self._resources.values()
            if r.get("Type") == "AWS::Lambda::Function" and r.get("Properties", {}).get("Handler") == handler
        ]
        if len(found) != 1:
            raise KeyError(f"{len(found)} functions with handler {handler!r} in the template")
        role = found[0]
        if isinstance(role, dict) and "Fn::GetAtt" in role:
            return str(role["Fn::GetAtt"][0])
        raise KeyError(f"the role of {handler!r} is not a role of this template: {role!r}")

    def role_by_path(self, cdk_path_suffix: str) -> str:
        """A role by its construct path, e.g. "Api/OfficerRole/Resource": from `aws:cdk:path` metadata
        when the template carries it, else from the logical id CDK derives from the path (the path's ids
        without "Resource"/"Default", then an 8-character hash)."""
        suffix = cdk_path_suffix.strip("/")
        roles = {n: r for n, r in self._resources.items() if r.get("Type") == "AWS::IAM::Role"}
        by_metadata = [
            n for n, r in roles.items() if str(r.get("Metadata", {}).get("aws:cdk:path", "")).endswith(suffix)
        ]
        if by_metadata:
            if len(by_metadata) > 1:
                raise KeyError(f"several roles end in {cdk_path_suffix!r}: {by_metadata}")
            return by_metadata[0]
        human = "".join(
            re.sub(r"[^A-Za-z0-9]", "", part) for part in suffix.split("/") if part not in ("Resource", "Default")
        )
        derived = [n for n in roles if re.fullmatch(rf"(?:[A-Za-z0-9]*){re.escape(human)}[0-9A-F]{{8}}", n)]
        if len(derived) != 1:
            raise KeyError(f"no single role for path {cdk_path_suffix!r}: {derived}")
        return derived[0]

    def resolve(self, value: Any) -> Any:
        """A template value (intrinsics included) with this template's physical names."""
        return self._resolver.resolve(value)

    def role_arn(self, role: str) -> str:
        return self._resolver.get_att(role, "Arn")

    def encryption_key(self, resource_arn: str) -> str | None:
        """The KMS key ARN the template encrypts this table, bucket (or object in it), topic or queue with."""
        if resource_arn.startswith("arn:") and ":s3:::" in resource_arn:
            resource_arn = resource_arn.split("/", 1)[0]
        if ":dynamodb:" in resource_arn and "/index/" in resource_arn:
            resource_arn = resource_arn.split("/index/", 1)[0]
        return self._keys.get(resource_arn)

    def function_roles(self) -> dict[str, str]:
        """Handler string -> execution role logical id, for every Lambda function in the template."""
        roles: dict[str, str] = {}
        for resource in self._resources.values():
            if resource.get("Type") != "AWS::Lambda::Function":
                continue
            handler = resource.get("Properties", {}).get("Handler")
            role = resource.get("Properties", {}).get("Role")
            if handler and isinstance(role, dict) and "Fn::GetAtt" in role:
                roles[str(handler)] = str(role["Fn::GetAtt"][0])
        return roles

    def names_from_environment(self, environment: Mapping[str, str]) -> dict[str, str]:
        """Physical names read back from a running environment: each function environment variable that
        the template sets to a Ref or GetAtt of a resource names that resource in `environment`."""
        names: dict[str, str] = {}
        for resource in self._resources.values():
            if resource.get("Type") != "AWS::Lambda::Function":
                continue
            variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
            for variable, value in variables.items():
                if not isinstance(value, dict) or not environment.get(variable):
                    continue
                target = value.get("Ref") or (value.get("Fn::GetAtt") or [None])[0]
                if isinstance(target, str) and target in self._resources:
                    names[target] = environment[variable]
        return names

    # -- evaluation ----------------------------------------------------------------------------------
    def _request_context(self, role: str, context: Mapping[str, str]) -> dict[str, str]:
        arn = self.role_arn(role)
        return {
            **_LAMBDA_CONTEXT,
            "aws:PrincipalAccount": self.account,
            "aws:PrincipalArn": arn,
            "aws:RequestedRegion": self.region,
            **context,
        }

    def _applies(
        self, statement: _Statement, action: str, resource: str, context: Mapping[str, str], caller: str | None
    ) -> PermissionResult:
        """PERMITTED / DENIED when the statement applies to the request (by its Effect), else NEUTRAL."""
        document = statement.document
        # A resource or trust policy names its principals (NotPrincipal, unused here, is read as no match).
        if caller is not None and ("Principal" in document or "NotPrincipal" in document):
            named = "Principal" in document and _principal_matches(document["Principal"], caller, self.account)
            if not named:
                return PermissionResult.NEUTRAL
        if "Condition" in document:
            holds = conditions_hold(document["Condition"], context)
            if holds is None:  # an operator we cannot evaluate: assume the worst for the caller
                holds = document.get("Effect") == "Deny"
            if not holds:
                return PermissionResult.NEUTRAL
        prepared: dict[str, Any] = {"Effect": document.get("Effect", "Allow")}
        for element in ("Action", "NotAction"):
            if element in document:
                prepared[element] = [str(a).lower() for a in _as_list(document[element])]
        if "NotResource" in document:
            for pattern in _as_list(document["NotResource"]):
                regex = _pattern_for_moto(str(pattern), context)
                if regex is not None and re.fullmatch(regex.replace("*", ".*"), resource):
                    return PermissionResult.NEUTRAL
            prepared["Resource"] = "*"
        elif "Resource" in document:
            patterns = [_pattern_for_moto(str(p), context) for p in _as_list(document["Resource"])]
            prepared["Resource"] = [p for p in patterns if p is not None]
            if not prepared["Resource"]:
                return PermissionResult.NEUTRAL
        policy = IAMPolicy(json.dumps({"Version": "2012-10-17", "Statement": [prepared]}))
        return policy.is_action_permitted(action.lower(), resource)

    def evaluate(self, role: str, action: str, resource: str, context: Mapping[str, str] = {}) -> Decision:
        if role not in self._role_statements:
            return Decision(False, action, resource, f"{role} is not a role of this template")
        request = self._request_context(role, context)
        caller = self.role_arn(role)
        for guarded, statement in self._resource_denies:
            guards = resource == guarded or resource.startswith(guarded + "/")  # a bucket guards its objects
            if guards and self._applies(statement, action, resource, request, caller) == PermissionResult.DENIED:
                return Decision(
                    False, action, resource, f"{action} on {resource} explicitly denied by {statement.label}"
                )
        allowed_by: _Statement | None = None
        for statement in self._role_statements[role]:
            result = self._applies(statement, action, resource, request, None)
            if result == PermissionResult.DENIED:
                return Decision(
                    False, action, resource, f"{action} on {resource} explicitly denied by {statement.label}"
                )
            if result == PermissionResult.PERMITTED and allowed_by is None:
                allowed_by = statement
        if allowed_by is not None:
            return Decision(True, action, resource, f"allowed by {allowed_by.label}")
        return Decision(False, action, resource, f"{role} has no {action} on {resource} (implicit deny)")

    def evaluate_trust(self, role: str, principal_arn: str, context: Mapping[str, str]) -> Decision:
        """sts:AssumeRole by `principal_arn` against the role's trust policy (conditions included)."""
        action = "sts:AssumeRole"
        resource = self.role_arn(role) if role in self._role_statements else role
        if role not in self._role_statements:
            return Decision(False, action, resource, f"{role} is not a role of this template")
        document = self._resources[role]["Properties"].get("AssumeRolePolicyDocument")
        permitted: _Statement | None = None
        for statement in self._statements(f"{role}.AssumeRolePolicyDocument", document):
            trust = copy.deepcopy(statement.document)
            trust.setdefault("Resource", resource)  # trust statements name no resource: this role
            result = self._applies(_Statement(statement.policy, statement.index, trust), action, resource,
                                   dict(context), principal_arn)  # fmt: skip
            if result == PermissionResult.DENIED:
                return Decision(False, action, resource, f"{principal_arn} explicitly denied by {statement.label}")
            if result == PermissionResult.PERMITTED and permitted is None:
                permitted = statement
        if permitted is not None:
            return Decision(True, action, resource, f"{principal_arn} trusted by {permitted.label}")
        return Decision(False, action, resource, f"{role}'s trust policy does not let {principal_arn} assume it")

    def granted(self, role: str) -> list[tuple[str, str]]:
        """(action pattern, resource pattern) of every Allow statement attached to the role."""
        pairs: list[tuple[str, str]] = []
        for statement in self._role_statements.get(role, []):
            document = statement.document
            if document.get("Effect") != "Allow":
                continue
            for action in _as_list(document.get("Action")):
                for resource in _as_list(document.get("Resource", "*")):
                    pair = (str(action), str(resource))
                    if pair not in pairs:
                        pairs.append(pair)
        return pairs


def pattern_covers(pattern: str, value: str, *, action: bool = False) -> bool:
    """IAM wildcard match (`*`, `?`); actions compare case-insensitively."""
    return _wildcard_match(pattern, value, ignore_case=action)


def unused_grants(policies: TemplatePolicies, role: str, used: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The role's granted (action, resource) pairs that no used (action, resource) falls under."""
    used = list(used)
    return [
        (action, resource)
        for action, resource in policies.granted(role)
        if not any(
            pattern_covers(action, a, action=True) and (resource == "*" or pattern_covers(resource, r)) for a, r in used
        )
    ]
