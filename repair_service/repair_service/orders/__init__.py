"""Repair requests and orders: submission, the node-by-node transitions, reads and views."""
