"""Customers as repair_service knows them: found or created by WeChat openid."""
