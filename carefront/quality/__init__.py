"""Quality and people: checks on every reply (auto-QA), review scorecards and calibration,
coaching, training, recognition and agent wellbeing.

To customers the frontline agent is the company: this app helps leads support agents, never
surveil them. Every mark says why; pulse answers are anonymous down to the database.
"""
