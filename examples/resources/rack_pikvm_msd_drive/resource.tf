# Insert the installer as a CD-ROM and connect it to the host.
resource "rack_pikvm_msd_drive" "node1" {
  pikvm = "node1"
  image = rack_pikvm_msd_image.debian.name
  cdrom = true
}
