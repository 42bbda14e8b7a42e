import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseTemplate, readTemplate, TemplateReadError } from '../src/private/template/read';

/** The JSON form of one property value written in YAML. */
function valueOf(yaml: string): unknown {
  const text = `Resources:\n  R:\n    Type: AWS::SQS::Queue\n    Properties:\n      P: ${yaml}\n`;
  return parseTemplate(text, 't.yaml').template.Resources.R.Properties.P;
}

describe('YAML short forms become the long form CloudFormation documents', () => {
  test.each([
    ['!Ref Topic', { Ref: 'Topic' }],
    ['!GetAtt Queue.Arn', { 'Fn::GetAtt': ['Queue', 'Arn'] }],
    ['!GetAtt Db.Endpoint.Address', { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] }],
    ['!GetAtt [Queue, Arn]', { 'Fn::GetAtt': ['Queue', 'Arn'] }],
    ['!Sub "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:t"', { 'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:t' }],
    ['!Sub ["${Name}.fifo", { Name: !Ref Base }]', { 'Fn::Sub': ['${Name}.fifo', { Name: { Ref: 'Base' } }] }],
    ['!If [IsProd, !Ref A, !Ref "AWS::NoValue"]', { 'Fn::If': ['IsProd', { Ref: 'A' }, { Ref: 'AWS::NoValue' }] }],
    ['!ImportValue platform-TopicArn', { 'Fn::ImportValue': 'platform-TopicArn' }],
    ['!ImportValue { "Fn::Sub": "${Env}-TopicArn" }', { 'Fn::ImportValue': { 'Fn::Sub': '${Env}-TopicArn' } }],
    ['!Join ["", [!Ref Base, ".fifo"]]', { 'Fn::Join': ['', [{ Ref: 'Base' }, '.fifo']] }],
    ['!Select [0, !GetAZs ""]', { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }],
    ['!Split [",", !Ref List]', { 'Fn::Split': [',', { Ref: 'List' }] }],
    ['!FindInMap [Env, !Ref "AWS::Region", Topic]', { 'Fn::FindInMap': ['Env', { Ref: 'AWS::Region' }, 'Topic'] }],
    ['!Base64 "text"', { 'Fn::Base64': 'text' }],
    ['!Cidr ["10.0.0.0/16", 4, 8]', { 'Fn::Cidr': ['10.0.0.0/16', 4, 8] }],
    ['!GetAZs eu-west-1', { 'Fn::GetAZs': 'eu-west-1' }],
    ['!Equals [!Ref Env, prod]', { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }],
    ['!And [!Condition A, !Condition B]', { 'Fn::And': [{ Condition: 'A' }, { Condition: 'B' }] }],
    ['!Or [!Condition A, !Not [!Condition B]]', { 'Fn::Or': [{ Condition: 'A' }, { 'Fn::Not': [{ Condition: 'B' }] }] }],
    ['!Condition IsProd', { Condition: 'IsProd' }],
  ])('%s', (yaml, json) => {
    expect(valueOf(yaml)).toEqual(json);
  });

  test('a short form in block style (a sequence on the following lines)', () => {
    const text = [
      'Resources:',
      '  R:',
      '    Type: AWS::SQS::Queue',
      '    Properties:',
      '      QueueName: !Join',
      '        - ""',
      '        - - !Ref Base',
      '          - .fifo',
    ].join('\n');
    expect(parseTemplate(text, 't.yaml').template.Resources.R.Properties.QueueName).toEqual({ 'Fn::Join': ['', [{ Ref: 'Base' }, '.fifo']] });
  });

  test('a long form in YAML is kept as written', () => {
    expect(valueOf('{ "Fn::GetAtt": [Queue, Arn] }')).toEqual({ 'Fn::GetAtt': ['Queue', 'Arn'] });
  });
});

describe('what a template is', () => {
  test('JSON is read as JSON', () => {
    const read = parseTemplate('{"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}', 't.json');
    expect(read.template.Resources.Queue.Type).toBe('AWS::SQS::Queue');
  });

  test('the line of each logical ID, in YAML and in JSON (for SARIF)', () => {
    const yaml = parseTemplate('Parameters: {}\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n  Queue:\n    Type: AWS::SQS::Queue\n', 't.yaml');
    expect([yaml.lineOf('Topic'), yaml.lineOf('Queue'), yaml.lineOf('Nope')]).toEqual([3, 5, undefined]);
    const json = parseTemplate(JSON.stringify({ Resources: { Topic: { Type: 'AWS::SNS::Topic' }, Queue: { Type: 'AWS::SQS::Queue' } } }, undefined, 1), 't.json');
    expect([json.lineOf('Topic'), json.lineOf('Queue')]).toEqual([3, 6]);
  });

  test.each([
    ['{"Resources": ', 't.json', /t\.json: is not valid JSON/],
    ['Resources:\n  A: [unclosed\n', 't.yaml', /t\.yaml: is not valid YAML \(line \d+\)/],
    ['just a string', 't.yaml', /t\.yaml: is not a CloudFormation template/],
    ['AWSTemplateFormatVersion: "2010-09-09"\n', 't.yaml', /t\.yaml: is not a CloudFormation template \(it has no Resources mapping\)/],
  ])('%j is refused with the file name and the reason', (text, file, message) => {
    expect(() => parseTemplate(text, file)).toThrow(TemplateReadError);
    expect(() => parseTemplate(text, file)).toThrow(message);
  });

  test('a file that does not exist is refused with its name', () => {
    const file = path.join(os.tmpdir(), 'no-such-template.yaml');
    expect(() => readTemplate(file)).toThrow(`${file}: cannot be read (ENOENT)`);
  });

  test('a file on disk is read', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'read-')), 't.yaml');
    fs.writeFileSync(file, 'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n');
    expect(readTemplate(file).template.Resources.Q.Type).toBe('AWS::SQS::Queue');
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});
