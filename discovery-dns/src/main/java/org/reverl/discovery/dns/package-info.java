/**
 * The {@code dns} discovery source: the backends of a pool are the addresses of a DNS name (A/AAAA records with a
 * configured port) or the targets of an SRV record (ports and weights from the record), re-resolved at the records'
 * TTL. Configure it by name ({@code discovery: { source: dns, ... }}); the classes here are not API.
 */
package org.reverl.discovery.dns;
