# Sagsbehandlerportalen, dansk.
language-name = Dansk
portal-title = tillit – registreringsenhed
skip-to-content = Spring til indholdet
nav-search = Søg efter person
nav-reports = Rapporter
sign-in = Log ind
sign-out = Log ud
signed-in-as = Logget ind som { $name }
search-label = Navn, CPR-nummer eller HSA-id
search-button = Søg
choose-language = Sprog
choose-language-button = Vis
