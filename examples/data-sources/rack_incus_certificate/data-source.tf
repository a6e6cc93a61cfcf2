# A trusted client, by its name in the trust store (or by fingerprint).
data "rack_incus_certificate" "ci" {
  name = "ci-runner"
}

output "ci_projects" {
  value = data.rack_incus_certificate.ci.projects
}
