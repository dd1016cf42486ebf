"""E-mail: the outbox, the mail worker, each person's choice of how often, and password links by e-mail.

It sits just above auth and below the domains: programme, plans, lending and mentoring call
``workbench.notifications.outbox.notify`` where their state changes (see that module); this package imports
none of them. ``flask send-mail`` (worker.py) sends the outbox through SMTP.
"""
