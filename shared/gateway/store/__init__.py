"""DynamoDB: the one door (``dynamo``), its own error words (``errors``), and what it keeps: keys,
accounts, the ledger, settlement, provider health, wallet invoices. Nothing else talks to DynamoDB."""
