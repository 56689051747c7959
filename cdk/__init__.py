"""PlateGuard infrastructure (CDK): one stack composed of constructs per concern."""
