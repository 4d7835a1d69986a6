/**
 * An error reply of the fake Aliyun RPC API: HTTP `status` and a JSON body
 * `{RequestId, HostId, Code, Message, Recommend}`.
 *
 * Codes, statuses and messages follow Aliyun's published common error table and each
 * product's error list. NOTE: `Certificate.NotFound` (CDN binding to an unknown CAS ID) and
 * `ResourceAlreadyAssociated` (deleting a CAS certificate a CDN domain uses) are this fake's
 * choices: the services' codes for those cases are not published.
 */
export class AliyunError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AliyunError';
  }
}

export const aliyunErrors = {
  missingParameter: (name: string) =>
    new AliyunError(
      400,
      'MissingParameter',
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    ),
  invalidParameter: (name: string, detail = '') =>
    new AliyunError(
      400,
      'InvalidParameter',
      `The specified parameter "${name}" is not valid.${detail ? ` ${detail}` : ''}`,
    ),
  accessKeyNotFound: () => new AliyunError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  incompleteSignature: (detail: string) =>
    new AliyunError(
      400,
      'IncompleteSignature',
      `The request signature does not conform to Aliyun standards. ${detail}`,
    ),
  signatureMismatchAcs3: (stringToSign: string) =>
    new AliyunError(
      400,
      'SignatureDoesNotMatch',
      `Specified signature does not match our calculation. server StringToSign is [${stringToSign}]`,
    ),
  signatureMismatchRpc: (stringToSign: string) =>
    new AliyunError(
      400,
      'SignatureDoesNotMatch',
      `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
    ),
  invalidSignatureMethod: () =>
    new AliyunError(400, 'InvalidSignatureMethod', 'Specified signature method is not valid.'),
  timestampFormat: () =>
    new AliyunError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: () =>
    new AliyunError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.'),
  nonceUsed: () => new AliyunError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  apiNotFound: () =>
    new AliyunError(404, 'InvalidApi.NotFound', 'Specified api is not found, please check your url and method.'),
  throttled: () => new AliyunError(400, 'Throttling.User', 'Request was denied due to user flow control.'),
  injectedFailure: (status: number) =>
    status === 503
      ? new AliyunError(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.')
      : new AliyunError(status, 'InternalError', 'The request processing has failed due to some unknown error.'),

  casNotFound: () => new AliyunError(400, 'NotFound', 'The resource not found. Check the input parameters.'),
  casNameRepeat: () =>
    new AliyunError(
      400,
      'ParamRepeat',
      'The input parameter and the backend have duplicate data, and duplicate data storage is not allowed.',
    ),
  casMalformed: (detail: string) =>
    new AliyunError(400, 'InvalidSource.Content.Malformed', `Incorrect format. ${detail}`),
  casInUse: () => new AliyunError(400, 'ResourceAlreadyAssociated', 'The specified resource is already associated.'),

  domainNotFound: () =>
    new AliyunError(404, 'InvalidDomain.NotFound', 'The domain provided does not exist in our records.'),
  sslProtocolInvalid: () =>
    new AliyunError(400, 'InvalidSSLProtocol.ValueNotSupported', 'The specified SSLProtocol is invalid.'),
  sslPubMissing: () => new AliyunError(400, 'SSLPub.MissingParameter', 'The SSLPub parameter is required.'),
  sslPriMissing: () => new AliyunError(400, 'SSLPri.MissingParameter', 'The SSLPri parameter is required.'),
  certificateFormat: () => new AliyunError(400, 'Certificate.FormatError', 'The format of the certificate is invalid.'),
  certificateKeyMismatch: () =>
    new AliyunError(400, 'Certificate.MissMatch', 'The certificate does not match the private key.'),
  casCertificateNotFound: () =>
    new AliyunError(400, 'Certificate.NotFound', 'The specified CAS certificate does not exist in this region.'),

  dnsDomainNotFound: () =>
    new AliyunError(
      400,
      'InvalidDomainName.NoExist',
      'The specified domain name does not exist. Refresh the page and try again.',
    ),
  dnsRecordDuplicate: () => new AliyunError(400, 'DomainRecordDuplicate', 'The DNS record already exists.'),
  dnsRecordNotFound: () =>
    new AliyunError(400, 'DomainRecordNotBelongToUser', 'The DNS record does not belong to this account.'),
};

/** Builds the JSON error body the RPC-style products send. */
export function aliyunErrorBody(error: AliyunError, requestId: string, hostId: string): Record<string, string> {
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&requestId=${requestId}`,
  };
}
