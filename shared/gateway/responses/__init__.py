"""The Responses API served on the chat path: requests translated onto Chat Completions
(``translate``), answers and streams translated back (``translate``, ``events``)."""
