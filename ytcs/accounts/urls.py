urlpatterns = []
app_name = "accounts"
