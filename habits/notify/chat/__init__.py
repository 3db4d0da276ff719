"""Chat messages: the summary and the test message in words (``message``), one module per chat's
format (``wecom``, ``dingtalk``, ``feishu``, ``slack``, ``discord``, ``telegram``: the request
each vendor's incoming webhook takes), and the transport that posts them (``transport``).

Written here rather than through apprise: apprise builds each vendor's URL from a fixed host
(``https://oapi.dingtalk.com/...``, ``https://api.telegram.org/bot...``) and resolves it again
when it posts, so it can neither be pointed at a test's local receiver nor made to connect to
the address our outbound-URL check approved (DNS rebinding); and it answers true or false, not
the status that tells a retry from a refusal.
"""
