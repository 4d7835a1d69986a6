/** nginx server blocks used across the agent's tests. */

export function plainServer(port: number, names: string, body = 'plain'): string {
  return `
    server {
        listen 127.0.0.1:${port};
        server_name ${names};
        location / { return 200 "${body}\\n"; }
    }`;
}

export function tlsServer(port: number, names: string, cert: string, key: string, body = 'tls'): string {
  return `
    server {
        listen 127.0.0.1:${port} ssl;
        server_name ${names};
        ssl_certificate ${cert};
        ssl_certificate_key ${key};
        location / { return 200 "${body}\\n"; }
    }`;
}
