/**
 * The AWS managed policies migration 0002 seeded under the pseudo-account 'aws' (the database keeps those rows; the
 * server reads every AWS managed policy from the package catalogue instead, aws-managed-catalogue.ts). Their ids and
 * descriptions, AWS's as published (UNCONFIRMED for the two IAM policies), name the same policies in the catalogue,
 * whose package has neither.
 */
export interface AwsManagedPolicy {
  policyId: string;
  name: string;
  description: string;
  createdAt: number;
  document: string;
}

const doc = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] }, null, 4);

export const AWS_MANAGED_POLICIES: readonly AwsManagedPolicy[] = [
  {
    policyId: 'ANPAIWMBCKSKIEE64ZLYK',
    name: 'AdministratorAccess',
    description: 'Provides full access to AWS services and resources.',
    createdAt: Date.parse('2015-02-06T18:39:46Z'),
    document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }),
  },
  {
    policyId: 'ANPAI7XKCFMBPM3QQRRVQ',
    name: 'IAMFullAccess',
    description: 'Provides full access to IAM via the AWS Management Console.',
    createdAt: Date.parse('2015-02-06T18:40:38Z'),
    document: doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }),
  },
  {
    policyId: 'ANPAJKSO7NDY4T57MWDSQ',
    name: 'IAMReadOnlyAccess',
    description: 'Provides read only access to IAM via the AWS Management Console.',
    createdAt: Date.parse('2015-02-06T18:40:39Z'),
    document: doc({
      Effect: 'Allow',
      Action: [
        'iam:GenerateCredentialReport',
        'iam:Get*',
        'iam:List*',
        'iam:SimulateCustomPolicy',
        'iam:SimulatePrincipalPolicy',
      ],
      Resource: '*',
    }),
  },
];

export const awsManagedPolicyArn = (name: string) => `arn:aws:iam::aws:policy/${name}`;
