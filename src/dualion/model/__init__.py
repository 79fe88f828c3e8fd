"""dualion.model"""
