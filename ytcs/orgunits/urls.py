urlpatterns = []
app_name = "orgunits"
