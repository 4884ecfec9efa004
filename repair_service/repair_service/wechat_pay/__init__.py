"""Paying agreed quotes with WeChat Pay (JSAPI): attempts, verified notifications, queries."""
