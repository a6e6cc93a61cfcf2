data "rack_pikvm_msd" "node1" {
  pikvm = "node1"
}

output "images" {
  value = [for i in data.rack_pikvm_msd.node1.images : i.name]
}

output "free_gib" {
  value = data.rack_pikvm_msd.node1.storage_free / 1073741824
}
