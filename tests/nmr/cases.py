"""Known truths used by several NMR tests (19F at 282.4 MHz; 7Li at 116.7 MHz)."""

#: pristine-like, 60 kHz: the three Ti environments; sidebands of 98 ppm fall near −114 and 310 ppm
PRISTINE_60K = [dict(delta=98.0, fwhm=25.0, eta=0.3, area=1.0, sb={-2: 0.03, -1: 0.15, 1: 0.10, 2: 0.02}),
                dict(delta=-4.0, fwhm=35.0, eta=0.5, area=3.0, sb={-2: 0.04, -1: 0.20, 1: 0.12, 2: 0.03}),
                dict(delta=-88.0, fwhm=40.0, eta=0.4, area=2.0, sb={-2: 0.05, -1: 0.25, 1: 0.15, 2: 0.03})]

#: discharged-like, 64 kHz (226.6 ppm spacing): the −1 sideband of the 80 ppm line lands on the
#: −145 ppm centre band; MgF2/LiF-like sharp lines 7 ppm apart
DISCHARGED_64K = [dict(delta=80.0, fwhm=30.0, eta=0.4, area=1.0, sb={-1: 0.30, 1: 0.15, -2: 0.05}),
                  dict(delta=-145.0, fwhm=45.0, eta=0.3, area=2.5, sb={-1: 0.20, 1: 0.20, 2: 0.05}),
                  dict(delta=-197.0, fwhm=8.0, eta=0.6, area=0.8, sb={-1: 0.10, 1: 0.08}),
                  dict(delta=-204.0, fwhm=6.0, eta=0.6, area=0.6, sb={-1: 0.10, 1: 0.06})]

F19 = dict(nucleus="19F", sf_MHz=282.4, sw_Hz=400000.0, o1p_ppm=-50.0)
LI7 = dict(nucleus="7Li", sf_MHz=116.7, sw_Hz=200000.0, o1p_ppm=0.0)
