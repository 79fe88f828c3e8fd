"""dualion.engines"""
