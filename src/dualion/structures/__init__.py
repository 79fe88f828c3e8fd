"""dualion.structures"""
