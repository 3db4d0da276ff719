"""Files kept outside the database: S3-compatible object storage (habits.storage.s3).

The one package that imports boto3 (an import contract says so). It sits beside payments and
mail: it implements what the services ask for (``habits.services.photos.PhotoStorage``) and
never imports the web.
"""
