"""The site's home page. The root URL conf (dialogue_hub/urls.py) includes this module without a
namespace, so the page keeps its plain name, `home`, and the core imports no app."""

from django.urls import path

from ..views.home import home

urlpatterns = [path("", home, name="home")]
