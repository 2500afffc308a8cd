"""The staff desk: an agent's, owner's or manager's mail, one mail one transaction.

desk.py tells the story of one staff mail; approvals.py holds and decides
mails over a limit; relay.py carries a person's words to the customer or the
agent; receipts.py tells the sender what became of each line. mail.py is the
value all of them share.
"""
