"""One construct per concern; `cdk.stack.PlateGuardStack` composes them."""
