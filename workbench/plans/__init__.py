"""Business plans: guided templates, the wizard, the live cash-flow plan, versions and exports."""
