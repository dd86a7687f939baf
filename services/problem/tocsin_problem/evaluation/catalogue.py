"""Fault types the generator injects, in the words of several monitoring rules each.

A fault type's variants are how different monitoring rules word the same fault (a node exporter
rule, an application's own alert, a Kubernetes rule): the same fault, differently said. Its
`symptom` is what callers of the faulty service report when the error message travels with the
failure. `CONFOUNDERS` pairs fault types worded alike but with different causes. Placeholders are
filled per incident by the generator: {host} {pod} {n} {pct} {ms} {hex} {fqdn} {quoted}
{endpoint}.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FaultType:
    name: str
    variants: tuple[str, ...]
    symptom: str


FAULT_TYPES: tuple[FaultType, ...] = (
    FaultType(
        "disk_full",
        (
            "Disk usage above {pct}% on {host} mount /var/lib/data",
            "DiskSpaceLow: {host} filesystem /var/lib/data has {n}MB free",
            "NodeFilesystemAlmostOutOfSpace on {host}",
        ),
        "write failed: no space left on device",
    ),
    FaultType(
        "disk_inodes",
        (
            "Inode usage above {pct}% on {host} mount /var/lib/data",
            "NodeFilesystemFilesFillingUp on {host}",
        ),
        "cannot create file: too many files on device",
    ),
    FaultType(
        "cpu_high",
        ("High CPU usage {pct}% on {host}", "CPUThrottlingHigh for container {pod}"),
        "request handling slow, worker busy",
    ),
    FaultType(
        "memory_high",
        ("High memory usage {pct}% on {host}", "MemoryPressure condition on node {host}"),
        "allocation failed, node under memory pressure",
    ),
    FaultType(
        "oom",
        (
            "Container {pod} OOMKilled (limit {n}Mi)",
            "Pod {pod} restarted {n} times: OOMKilled",
        ),
        "connection reset by peer during request",
    ),
    FaultType(
        "crashloop",
        (
            "Pod {pod} restarted {n} times: CrashLoopBackOff",
            "KubePodCrashLooping {pod} exit code {n}",
        ),
        "no healthy upstream endpoints",
    ),
    FaultType(
        "latency",
        (
            "p99 latency {ms}ms above SLO on {endpoint}",
            "HighRequestLatency {endpoint} p99={ms}ms",
            "Slow responses on {endpoint}: {ms} ms",
        ),
        "deadline exceeded after {ms}ms",
    ),
    FaultType(
        "error_rate",
        (
            "5xx error rate {pct}% on {endpoint}",
            "HighErrorRate {endpoint}: {pct}% of requests failing",
        ),
        "upstream answered 503 service unavailable",
    ),
    FaultType(
        "conn_pool",
        (
            "Connection pool exhausted ({n}/{n} in use) on {host}",
            "HikariPool-{n} - Connection is not available, request timed out after {ms}ms",
        ),
        "timeout acquiring connection from pool",
    ),
    FaultType(
        "cert_expiry",
        (
            "TLS certificate for {fqdn} expires in {n} days",
            "SSLCertExpiringSoon {fqdn}",
        ),
        "x509: certificate has expired or is not yet valid",
    ),
    FaultType(
        "replication_lag",
        (
            "Replication lag {n}s on replica {host}",
            "PostgresReplicationLagHigh {host} lag={n}s",
        ),
        "stale read detected on replica",
    ),
    FaultType(
        "consumer_lag",
        (
            "Consumer lag {n} messages on topic {quoted} group {quoted}",
            "KafkaConsumerGroupLag {quoted} above {n}",
        ),
        "events arriving late, backlog growing",
    ),
    FaultType(
        "dns",
        (
            "DNS resolution failures for {fqdn} from {host}",
            "CoreDNS SERVFAIL rate {pct}% for {fqdn}",
        ),
        "no such host {fqdn}",
    ),
    FaultType(
        "thread_pool",
        (
            "Thread pool saturated on {host}: {n} queued tasks",
            "RejectedExecutionException in worker pool on {host}",
        ),
        "request rejected, executor queue full",
    ),
    FaultType(
        "deadlock",
        (
            "Deadlocks detected on {host}: {n} in 5m",
            "PostgresDeadlocks {host} rate {n}/min",
        ),
        "transaction aborted: deadlock detected",
    ),
    FaultType(
        "disk_io",
        (
            "Disk IO latency {ms}ms on {host} device sda",
            "NodeDiskIOSaturation on {host} device sda",
        ),
        "write took {ms}ms, storage slow",
    ),
)
CONFOUNDERS: tuple[tuple[str, str], ...] = (
    ("disk_full", "disk_inodes"),
    ("cpu_high", "memory_high"),
    ("oom", "crashloop"),
    ("latency", "error_rate"),
    ("disk_full", "disk_io"),
)
# Symptoms that carry nothing of their cause: any fault upstream looks like this downstream.
GENERIC_SYMPTOMS: tuple[str, ...] = (
    "Upstream {upstream} errors: {n} failed requests in 5m",
    "Dependency {upstream} latency high: p99 {ms}ms",
)
SPECIFIC_SYMPTOM = "Calls to {upstream} failing from {host}: {symptom}"

SERVICE_NAMES: tuple[str, ...] = (
    "edge",
    "web",
    "api-gateway",
    "checkout",
    "cart",
    "payments",
    "orders",
    "inventory",
    "catalog",
    "search",
    "auth",
    "notifications",
    "users-db",
    "orders-db",
    "cache",
)
NOISE_SUBJECTS = (
    "Backup job",
    "Cron task",
    "Batch export",
    "Cache warmup",
    "Report generation",
    "Index rebuild",
    "Log shipper",
    "Webhook sender",
    "Feature flag sync",
    "License check",
    "Snapshot",
    "Data retention sweep",
)
NOISE_EVENTS = ("failed", "timed out", "was skipped", "retried too often", "aborted", "stalled")
NOISE_DETAILS = (
    "permission denied on bucket {quoted}",
    "unexpected status {n}",
    "checksum mismatch for object {hex}",
    "lock held by {host}",
    "quota exceeded for tenant {quoted}",
    "schema version {n} unknown",
    "token refresh rejected",
    "remote closed the stream early",
)
