import { renderXmlDocument, type XmlElement } from './oss-xml.js';

/**
 * An OSS error reply: HTTP `status` and `<Error><Code/><Message/><RequestId/><HostId/>...</Error>`.
 *
 * Codes and messages follow OSS's error documentation, with three exceptions.
 * NOTE: the status of NeedVerifyDomainOwnership (400 here) is not published. Neither is the
 * exact case CertificateInvalidCasId covers, nor the code for a certificate that does not
 * cover the domain (InvalidArgument here).
 */
export class OssError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Array<[string, string]> = [],
  ) {
    super(message);
    this.name = 'OssError';
  }

  toXml(requestId: string, hostId: string): string {
    const children: XmlElement[] = [
      ['Code', this.code],
      ['Message', this.message],
      ['RequestId', requestId],
      ['HostId', hostId],
      ...this.extra,
    ];
    return renderXmlDocument(['Error', children]);
  }
}

export const ossErrors = {
  anonymousDenied: () =>
    new OssError(403, 'AccessDenied', 'AccessDenied: anonymous access is forbidden for this operation.'),
  invalidAccessKeyId: (accessKeyId: string) =>
    new OssError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', [
      ['OSSAccessKeyId', accessKeyId],
    ]),
  malformedAuthorization: () => new OssError(400, 'InvalidArgument', 'Authorization header is invalid.'),
  signatureMismatch: (stringToSign: string, provided: string, accessKeyId: string) =>
    new OssError(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      [
        ['StringToSign', stringToSign],
        ['SignatureProvided', provided],
        ['OSSAccessKeyId', accessKeyId],
      ],
    ),
  timeTooSkewed: () =>
    new OssError(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
    ),
  invalidDigest: () => new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.'),
  noSuchBucket: (bucket: string) =>
    new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.', [['BucketName', bucket]]),
  wrongEndpoint: (endpoint: string) =>
    new OssError(
      403,
      'AccessDenied',
      'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
      [['Endpoint', endpoint]],
    ),
  invalidHost: (host: string) =>
    new OssError(400, 'InvalidArgument', `Host ${host} is not <bucket>.oss-<region>.aliyuncs.com.`),
  malformedXml: () =>
    new OssError(
      400,
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema.',
    ),
  needVerifyDomainOwnership: () =>
    new OssError(400, 'NeedVerifyDomainOwnership', 'Please verify domain ownership by CreateCnameToken and try again.'),
  cnameAlreadyExists: () =>
    new OssError(409, 'CnameAlreadyExists', 'The specified domain is already bound to another bucket.'),
  noSuchCname: () => new OssError(404, 'NoSuchCname', 'The specified cname does not exist.'),
  cnameTokenNotFound: () => new OssError(404, 'CnameTokenNotFound', 'Cname token not found.'),
  invalidCasId: () =>
    new OssError(400, 'CertificateInvalidCasId', 'The CertId does not name a CAS certificate of this account.'),
  invalidCertificate: (detail: string) => new OssError(400, 'InvalidArgument', `The certificate is invalid: ${detail}`),
  previousCertIdMismatch: () =>
    new OssError(
      400,
      'InvalidArgument',
      'PreviousCertId does not match the certificate the domain uses; set Force to true to replace it.',
      [['EC', '0018-00000209']],
    ),
  throttled: () => new OssError(503, 'MetaOperationQpsLimitExceeded', 'Qps limit for the meta operation is exceeded'),
  injectedFailure: (status: number) =>
    status === 503
      ? new OssError(503, 'ServiceUnavailable', 'Thread pool is almost full, please retry later')
      : new OssError(status, 'InternalError', 'We encountered an internal error. Please try again.'),
  notImplemented: () =>
    new OssError(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented.'),
};
