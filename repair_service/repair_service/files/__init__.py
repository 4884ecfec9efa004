"""Files customers and staff send to the repair service, and who may fetch them back."""
