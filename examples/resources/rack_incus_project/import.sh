# A project belongs to the whole server: it is imported by [remote:]name.
terraform import rack_incus_project.lab local:lab
