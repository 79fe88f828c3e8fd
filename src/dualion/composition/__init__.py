"""dualion.composition"""
