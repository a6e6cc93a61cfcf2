# An image is imported by [pikvm:]name, optionally followed by @ and the local
# file it came from (kvmd cannot tell it).
terraform import rack_pikvm_msd_image.debian 'node1:debian-12.8.0-amd64-netinst.iso@./isos/debian-12.8.0-amd64-netinst.iso'
