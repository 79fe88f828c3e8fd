"""dualion.echem"""
