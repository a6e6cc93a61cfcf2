# Find an image by alias (or fingerprint), of a given type and architecture.
data "rack_incus_image" "golden" {
  name         = "golden"
  type         = "container"
  architecture = "x86_64"
}

resource "rack_incus_instance" "web" {
  name  = "web"
  image = data.rack_incus_image.golden.fingerprint
}
