# The officer portal, English.
language-name = English
portal-title = tillit – registration authority
skip-to-content = Skip to content
nav-search = Search people
nav-reports = Reports
sign-in = Sign in
sign-out = Sign out
signed-in-as = Signed in as { $name }
search-label = Name, national id or HSA-id
search-button = Search
choose-language = Language
choose-language-button = Show
